"""The rules of the Open Group ArchiMate 3.1 exchange format that an export must keep, checked by hand.

The Open Group's XSDs (archimate3_Model.xsd …) cannot be shipped with the project, so the parts of them the
registry's exports touch are restated here as checks:

- the order of the model's children (``name+ documentation* properties? metadata? elements? relationships?
  organizations* propertyDefinitions?``) and of an element's or relationship's (``name* documentation*
  properties?``; elements need a name);
- identifiers are ``xs:ID`` — an NCName (a letter or ``_`` first, then letters, digits, ``.``, ``-``, ``_``),
  unique across the whole document — and ``source``/``target``/``propertyDefinitionRef`` point at one;
- containers (``elements``, ``relationships``, ``properties``, ``propertyDefinitions``) are never empty;
  a ``property`` has at least one ``value``; a ``propertyDefinition`` has a name and a ``type`` of the
  DataType enumeration; ``xsi:type`` names a concrete element or relationship type; ``accessType`` is one
  of the AccessTypeEnum values;
- the relationship is allowed between the two element types (ArchiMate 3.1 Appendix B, as Archi applies it
  on import — an invalid one makes Archi refuse the file). Only the pairs the registry writes are listed;
  any other pair is reported so that a new mapping is checked before it is shipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

NS = "{http://www.opengroup.org/xsd/archimate/3.0/}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
DATA_TYPES = {"string", "boolean", "currency", "date", "time", "number"}
ACCESS_TYPES = {"Access", "Read", "Write", "ReadWrite"}
ELEMENT_TYPES = {
    "BusinessActor", "BusinessRole", "BusinessCollaboration", "BusinessInterface", "BusinessProcess",
    "BusinessFunction", "BusinessInteraction", "BusinessEvent", "BusinessService", "BusinessObject", "Contract",
    "Representation", "Product", "ApplicationComponent", "ApplicationCollaboration", "ApplicationInterface",
    "ApplicationFunction", "ApplicationInteraction", "ApplicationProcess", "ApplicationEvent", "ApplicationService",
    "DataObject", "Node", "Device", "SystemSoftware", "TechnologyCollaboration", "TechnologyInterface", "Path",
    "CommunicationNetwork", "TechnologyFunction", "TechnologyProcess", "TechnologyInteraction", "TechnologyEvent",
    "TechnologyService", "Artifact", "Equipment", "Facility", "DistributionNetwork", "Material", "Grouping",
    "Location",
}  # fmt: skip
RELATIONSHIP_TYPES = {
    "Composition", "Aggregation", "Assignment", "Realization", "Serving", "Access", "Influence", "Triggering",
    "Flow", "Specialization", "Association",
}  # fmt: skip
# (source type, target type) → relationships ArchiMate 3.1 allows between them (the pairs the registry uses).
ALLOWED = {
    ("BusinessActor", "ApplicationComponent"): {"Association", "Flow", "Triggering", "Serving"},
    ("ApplicationComponent", "BusinessActor"): {"Association", "Flow", "Triggering", "Serving"},
    ("ApplicationComponent", "ApplicationService"): {
        "Association", "Assignment", "Flow", "Realization", "Triggering", "Serving",
    },
    ("ApplicationComponent", "DataObject"): {"Access", "Association"},
    ("ApplicationComponent", "ApplicationComponent"): {
        "Composition", "Aggregation", "Association", "Flow", "Realization", "Specialization", "Triggering", "Serving",
    },
    ("Node", "ApplicationComponent"): {"Association", "Flow", "Realization", "Triggering", "Serving"},
}  # fmt: skip
MODEL_ORDER = ["name", "documentation", "properties", "metadata", "elements", "relationships", "organizations",
               "propertyDefinitions"]  # fmt: skip
CONCEPT_ORDER = ["name", "documentation", "properties"]


def _local(tag: str) -> str:
    return tag.removeprefix(NS) if tag.startswith(NS) else tag


def _order_problems(node: ET.Element, order: list[str], where: str) -> list[str]:
    """Children must follow ``order`` (repeats allowed), with nothing else in the archimate namespace."""
    problems, position = [], 0
    for child in node:
        name = _local(child.tag)
        if child.tag.startswith(NS) and name not in order:
            problems.append(f"{where}: unexpected child <{name}>")
        elif name in order:
            if order.index(name) < position:
                problems.append(f"{where}: <{name}> after <{order[position]}>")
            position = max(position, order.index(name))
    return problems


def _identifier_problems(root: ET.Element) -> tuple[list[str], dict[str, ET.Element]]:
    problems: list[str] = []
    ids: dict[str, ET.Element] = {}
    for node in root.iter():
        identifier = node.get("identifier")
        if identifier is None:
            continue
        if not NCNAME.match(identifier):
            problems.append(f"identifier {identifier!r} is not an xs:ID (NCName)")
        if identifier in ids:
            problems.append(f"identifier {identifier!r} is used twice")
        ids[identifier] = node
    return problems, ids


def _concept_problems(node: ET.Element, kind: str, where: str, definitions: set[str]) -> list[str]:
    problems = _order_problems(node, CONCEPT_ORDER, where)
    properties = node.findall(f"{NS}properties")
    for container in properties:
        if not container.findall(f"{NS}property"):
            problems.append(f"{where}: empty <properties>")
        for prop in container.findall(f"{NS}property"):
            if prop.get("propertyDefinitionRef") not in definitions:
                problems.append(f"{where}: property refers to unknown {prop.get('propertyDefinitionRef')!r}")
            if not prop.findall(f"{NS}value"):
                problems.append(f"{where}: property without <value>")
    if kind == "element" and not node.findall(f"{NS}name"):
        problems.append(f"{where}: element without <name>")
    return problems


def _relationship_problems(node: ET.Element, types: dict[str, str], where: str) -> list[str]:
    kind = node.get(XSI_TYPE, "")
    problems = [] if kind in RELATIONSHIP_TYPES else [f"{where}: unknown relationship type {kind!r}"]
    source, target = types.get(node.get("source", "")), types.get(node.get("target", ""))
    if source is None or target is None:
        return [*problems, f"{where}: source or target is not an element of the model"]
    allowed = ALLOWED.get((source, target))
    if allowed is None:
        problems.append(f"{where}: {source} → {target} is not a pair these rules know; check it and add it")
    elif kind not in allowed:
        problems.append(f"{where}: {kind} is not allowed from {source} to {target}")
    if node.get("accessType") is not None and (kind != "Access" or node.get("accessType") not in ACCESS_TYPES):
        problems.append(f"{where}: bad accessType {node.get('accessType')!r}")
    return problems


def check_model(root: ET.Element) -> list[str]:
    """Every broken rule of the exchange format found in ``root`` (empty when the model is valid)."""
    if root.tag != f"{NS}model":
        return [f"root element is {root.tag}, not the archimate model"]
    problems = _order_problems(root, MODEL_ORDER, "model")
    if not root.findall(f"{NS}name"):
        problems.append("model without <name>")
    found, ids = _identifier_problems(root)
    problems += found
    for container in ("elements", "relationships", "propertyDefinitions"):
        problems += [f"empty <{container}>" for node in root.findall(f"{NS}{container}") if len(node) == 0]
    definitions, found = _definitions(root)
    problems += found
    types: dict[str, str] = {}
    for element in root.iter(f"{NS}element"):
        where = f"element {element.get('identifier')}"
        types[element.get("identifier", "")] = element.get(XSI_TYPE, "")
        if element.get(XSI_TYPE) not in ELEMENT_TYPES:
            problems.append(f"{where}: unknown element type {element.get(XSI_TYPE)!r}")
        problems += _concept_problems(element, "element", where, definitions)
    for relationship in root.iter(f"{NS}relationship"):
        where = f"relationship {relationship.get('identifier')}"
        problems += _concept_problems(relationship, "relationship", where, definitions)
        problems += _relationship_problems(relationship, types, where)
    return problems + [f"identifier {i!r} missing" for i in _dangling(root, ids)]


def _definitions(root: ET.Element) -> tuple[set[str], list[str]]:
    definitions, problems = set(), []
    for definition in root.iter(f"{NS}propertyDefinition"):
        definitions.add(definition.get("identifier", ""))
        if definition.get("type") not in DATA_TYPES or not definition.findall(f"{NS}name"):
            problems.append(f"propertyDefinition {definition.get('identifier')!r} needs a name and a DataType")
    return definitions, problems


def _dangling(root: ET.Element, ids: dict[str, ET.Element]) -> list[str]:
    refs = [r.get(attribute) for r in root.iter() for attribute in ("source", "target", "identifierRef")]
    return sorted({ref for ref in refs if ref is not None and ref not in ids})
