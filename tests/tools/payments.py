"""Independent checks of revshare's payment files and account numbers,
driven by tests/api/payouts.rs. Prints one JSON object.

  payments.py sepa FILE      validate against ISO 20022 pain.001.001.03
                             (the schema sepaxml ships) and read it back
  payments.py iban IBAN...   python-stdnum's verdict on each IBAN (ISO 13616)
"""

import json
import os
import sys
import xml.etree.ElementTree as ET

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def sepa(path):
    import sepaxml
    import xmlschema

    xsd = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
    schema = xmlschema.XMLSchema(xsd)
    errors = [str(e.reason) for e in schema.iter_errors(path)]
    root = ET.parse(path).getroot()
    text = lambda node, tag: node.find(tag, NS).text
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    transactions = [
        {
            "endToEndId": text(tx, "p:PmtId/p:EndToEndId"),
            "amount": text(tx, "p:Amt/p:InstdAmt"),
            "currency": tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            "creditor": text(tx, "p:Cdtr/p:Nm"),
            "iban": text(tx, "p:CdtrAcct/p:Id/p:IBAN"),
            "remittance": text(tx, "p:RmtInf/p:Ustrd"),
        }
        for tx in info.findall("p:CdtTrfTxInf", NS)
    ]
    return {
        "valid": not errors,
        "errors": errors,
        "messageId": text(header, "p:MsgId"),
        "numberOfTransactions": text(header, "p:NbOfTxs"),
        "controlSum": text(header, "p:CtrlSum"),
        "blockNumberOfTransactions": text(info, "p:NbOfTxs"),
        "blockControlSum": text(info, "p:CtrlSum"),
        "debtorIban": text(info, "p:DbtrAcct/p:Id/p:IBAN"),
        "transactions": transactions,
    }


def iban(numbers):
    from stdnum import iban as stdnum_iban

    # ISO 13616 as a bank anywhere checks it: the country's format and
    # length and the check digits. `check_country=False` leaves out the
    # national registries (Belgium's list of bank codes, for one), which
    # are the receiving bank's to judge, not the payer's.
    verdicts = [{"iban": n, "valid": stdnum_iban.is_valid(n, check_country=False)} for n in numbers]
    return {"verdicts": verdicts}


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    result = sepa(args[0]) if command == "sepa" else iban(args)
    print(json.dumps(result))
