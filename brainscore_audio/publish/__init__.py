"""Publishing results: the static web leaderboard, matplotlib figures, BibTeX citations and the
leaderboard-history check.

Everything here reads the public leaderboard JSON / score records and is driven by their
contents (benchmark ids, versions, details conventions), so new benchmarks and models appear
without code changes. Only :mod:`.figures` needs the ``publish`` extra (matplotlib).
"""
