"""Checks on the filing package beyond the form itself: passport photos and attachment rules."""
