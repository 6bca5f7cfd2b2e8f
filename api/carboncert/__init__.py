"""carboncert: checks carbon-certification cases against the rulebooks of Chinese certification bodies.

The flow, one module each: case (caseio) -> graph (ontology: type materialisation) -> rules (rules)
-> shapes (engine) -> report (report) -> explanation (explain). Rulebooks and their shapes are
loaded and compiled once (rulebooks).
"""

__version__ = "0.1.0"
ENGINE = f"carboncert {__version__}"
