"""Package assembly: from a checked filing package to what is mailed (cover letter, exhibit index, one PDF).

`index` orders and letters the evidence, `letter` writes the cover letter, `build` assembles every file
as bytes; formfill.api.package runs the check and the fill first and writes the folder all at once.
"""
