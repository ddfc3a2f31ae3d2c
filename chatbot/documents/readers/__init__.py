"""File-format readers, one module per format; :data:`chatbot.documents.load.READERS`
maps each suffix to its reader. ``structure`` and ``outline`` hold the shared
line-to-block builders the formats use."""
