"""QA checks: question sets, the check and batch runs, metrics and reports (``chatbot eval``)."""
