"""Text analysis shared by passages and questions: normalise, stem, word lists and synonyms, spelling."""
