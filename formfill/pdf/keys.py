"""PDF names formfill reads and writes (ISO 32000-1, PDF 1.7), spelled once.

A misspelt string key (`"/Kid"`) silently reads nothing; a misspelt constant fails at import and in mypy.
pypdf spells names with their slash, pdfminer (formfill.pdf.verify) without: `bare(keys.KIDS)`.
Name values that are policy (the action types kept and banned, the annotation subtypes a blank ships with,
the filters formfill decodes) stay with the code that decides them.
"""

from __future__ import annotations

# --- the file and its catalog (7.5.5, 7.7.2) --------------------------------------------------------
ROOT = "/Root"
INFO = "/Info"
ID = "/ID"
SIZE = "/Size"
PREV = "/Prev"
ENCRYPT = "/Encrypt"
PERMS = "/Perms"
NAMES = "/Names"
JAVASCRIPT = "/JavaScript"  # the document's scripts in /Names
OPEN_ACTION = "/OpenAction"
OUTLINES = "/Outlines"

# --- pages and content (7.7.3) -------------------------------------------------------------------------
PAGES = "/Pages"
KIDS = "/Kids"
COUNT = "/Count"
PARENT = "/Parent"
TYPE = "/Type"
SUBTYPE = "/Subtype"
CONTENTS = "/Contents"
RESOURCES = "/Resources"
MEDIA_BOX = "/MediaBox"
BBOX = "/BBox"
ANNOTS = "/Annots"

# --- streams and images (7.3.8, 8.9.5) -----------------------------------------------------------------
FILTER = "/Filter"
DECODE_PARMS = "/DecodeParms"
PREDICTOR = "/Predictor"
WIDTH = "/Width"
HEIGHT = "/Height"
BITS_PER_COMPONENT = "/BitsPerComponent"
COLOR_SPACE = "/ColorSpace"
IMAGE_MASK = "/ImageMask"

# --- actions (12.6) ------------------------------------------------------------------------------------
A = "/A"  # an annotation's action (structure elements use /A for attributes)
AA = "/AA"  # additional (automatic) actions
S = "/S"  # an action's type
O = "/O"  # noqa: E741  the owner of structure attributes
K = "/K"  # a structure element's kids
NEXT = "/Next"

# --- interactive forms (12.7) --------------------------------------------------------------------------
ACRO_FORM = "/AcroForm"
FIELDS = "/Fields"
XFA = "/XFA"
NEED_APPEARANCES = "/NeedAppearances"
DR = "/DR"  # default resources (the form's fonts)
FT = "/FT"
T = "/T"
TU = "/TU"
V = "/V"
DA = "/DA"
FF = "/Ff"
Q = "/Q"
MAX_LEN = "/MaxLen"
OPT = "/Opt"
RECT = "/Rect"
P = "/P"  # a widget's page
AS = "/AS"
AP = "/AP"
N = "/N"  # the normal appearance (12.5.5); in an ICCBased colour space, its number of components (8.6.5.5)

# field types (values of /FT) and a checkbox's off state
TEXT = "/Tx"
BUTTON = "/Btn"
CHOICE = "/Ch"
OFF = "/Off"

# --- fonts (9.6) ---------------------------------------------------------------------------------------
FONT = "/Font"
BASE_FONT = "/BaseFont"
ENCODING = "/Encoding"
WIDTHS = "/Widths"
FIRST_CHAR = "/FirstChar"
FONT_DESCRIPTOR = "/FontDescriptor"
FLAGS = "/Flags"
MISSING_WIDTH = "/MissingWidth"


def bare(name: str) -> str:
    """The name as pdfminer spells it: without the leading slash."""
    return name[1:]
