"""The policy language, apart from its evaluation: reading a policy file safely (``yamlsafe``),
checking it (``definition``) against the catalogue of variables (``variables``), its expressions
(``expressions``: parse, type, evaluate one step at a time for an explanation), their compilation
to integer SQL (``sqlgen``) and effective-dated parameters (``parameters``). Nothing here runs a
batch or reads the database.
"""
