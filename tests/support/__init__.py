"""Helpers the tests share: a headless Chromium for the explorer's pages (browser), the command
line run as a user runs it (hostile), small graphs to draw (graphs), and work run in several
threads at once (threads)."""
