"""Dialogue: the follow-up context, the not-found decision, the reply text and the Reply model."""
