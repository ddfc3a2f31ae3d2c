"""Triage, before retrieval: urgent symptoms, small talk and questions about the visitor's own case."""
