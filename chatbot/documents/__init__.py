"""Documents: corpus files -> Document (one reader per format) -> Passage."""
