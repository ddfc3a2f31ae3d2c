"""File-format readers: each module registers a reader for its suffixes in
:data:`chatbot.corpus.READERS`. ``structure`` holds the shared line-to-block
builder the text formats use."""
