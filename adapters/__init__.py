"""Upstream adapters: one package per job API, each turning that API into the common model."""
