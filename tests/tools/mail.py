"""Reads back the mail revshare sent (saved by smtp.py) the way a mail
client would, for the tests in tests/api/. Prints one JSON object.

  mail.py read FILE.eml          parse with the stdlib's email package
                                 (email.policy.default): headers, decoded
                                 From/To/Subject, every leaf part, the
                                 text and HTML bodies and their links
  mail.py dkim FILE.eml RECORD   verify the (first) DKIM-Signature with
                                 dkimpy, taking the public key from the
                                 file RECORD (a DNS TXT value such as
                                 `v=DKIM1; k=rsa; p=...`) for any name
                                 instead of asking DNS
"""

import base64
import email
import email.policy
import json
import logging
import re
import sys
from html.parser import HTMLParser

URL = re.compile(r"https?://[^\s<>\"]+")


class Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name == "href" and value is not None]


def text_links(text):
    links = []
    for url in URL.findall(text):
        # Sentence punctuation after a URL is not part of it, nor is a
        # closing parenthesis that opens nowhere in the URL.
        while url[-1] in ".,;:!?'" or (url[-1] == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        links.append(url)
    return links


class Collect(logging.Handler):
    def __init__(self, into):
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record):
        self.into.append(record.getMessage())


def header(message, name):
    value = message[name]
    return None if value is None else str(value)


def read(path):
    with open(path, "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    headers = {}
    for name, value in message.items():
        value = str(value)
        if name not in headers:
            headers[name] = value
        elif isinstance(headers[name], list):
            headers[name].append(value)
        else:
            headers[name] = [headers[name], value]
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        if isinstance(content, bytes):
            content = base64.b64encode(content).decode()  # not text: base64
        parts.append(
            {
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "disposition": part.get_content_disposition(),
                "filename": part.get_filename(),
                "content": content,
            }
        )
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    text = plain.get_content() if plain is not None else None
    html = html.get_content() if html is not None else None
    hrefs = Hrefs()
    if html is not None:
        hrefs.feed(html)
        hrefs.close()
    return {
        "headers": headers,
        "from": header(message, "From"),
        "to": header(message, "To"),
        "subject": header(message, "Subject"),
        "message_id": header(message, "Message-ID"),
        "content_type": message.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
        "links": hrefs.hrefs,
        "text_links": text_links(text) if text is not None else [],
    }


def dkim_verify(path, record_path):
    import dkim
    from dkim.util import parse_tag_value

    with open(path, "rb") as f:
        message = f.read()
    with open(record_path, "rb") as f:
        record = f.read().strip()
    if record.startswith(b'"'):  # zone-file style: "v=DKIM1; k=rsa; " "p=..."
        record = b"".join(re.findall(rb'"((?:[^"\\]|\\.)*)"', record))

    # dkimpy says why a signature fails only in its log.
    errors = []
    logger = logging.getLogger("mail.py")
    logger.propagate = False
    logger.addHandler(Collect(errors))
    try:
        valid = dkim.verify(message, logger=logger, dnsfunc=lambda name, timeout=5: record)
    except Exception as e:  # dkimpy lets some through, e.g. an RSA signature on an ed25519 key
        valid = False
        errors.append("%s: %s" % (type(e).__name__, e))

    headers, _ = dkim.rfc822_parse(message)
    signatures = [value for name, value in headers if name.lower() == b"dkim-signature"]
    tags = parse_tag_value(re.sub(rb"\s+", b"", signatures[0])) if signatures else {}
    tag = lambda name: tags[name].decode() if name in tags else None
    if valid:
        error = None
    elif not signatures:
        error = "no DKIM-Signature"
    else:
        error = errors[-1] if errors else "signature does not match"
    return {
        "valid": bool(valid),
        "selector": tag(b"s"),
        "domain": tag(b"d"),
        "algorithm": tag(b"a"),
        "signed_headers": tag(b"h").split(":") if b"h" in tags else [],
        "error": error,
    }

if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    result = read(args[0]) if command == "read" else dkim_verify(args[0], args[1])
    print(json.dumps(result))
