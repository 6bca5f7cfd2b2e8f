"""Namespaces and the project's folders."""

import os
from pathlib import Path

from rdflib import Namespace

CC = Namespace("https://w3id.org/carboncert/ontology#")
CODE = Namespace("https://w3id.org/carboncert/code/")
RULEBOOK = "https://w3id.org/carboncert/rulebook/"
CASE_BASE = "https://w3id.org/carboncert/case/"
SH = Namespace("http://www.w3.org/ns/shacl#")
PROV = Namespace("http://www.w3.org/ns/prov#")

# The repository root: ontology/, shapes/, rules/ and data/ are read from here. An installed copy
# may point elsewhere with CARBONCERT_HOME.
HOME = Path(os.environ.get("CARBONCERT_HOME") or Path(__file__).resolve().parents[2])
ONTOLOGY_DIR = HOME / "ontology"
SHAPES_DIR = HOME / "shapes"
RULES_DIR = HOME / "rules"
DATA_DIR = HOME / "data"
