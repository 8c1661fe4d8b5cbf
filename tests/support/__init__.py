"""Helpers the tests share: a headless Chromium for the explorer's pages (browser) and the
command line run as a user runs it (hostile), small graphs to draw (graphs)."""
