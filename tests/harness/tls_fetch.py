#!/usr/bin/python3
"""Fetch URL?format=json with a client certificate and key file through Python's ssl; print the
JSON answer. The key file may be a tscns key-reference file (the provider's decoder reads it).

usage: tls_fetch.py CERT KEY URL CAFILE PASSWORD
Security level 1, for the RSA-1024 cards (the tests' OpenSSL configurations use it too)."""
import json
import ssl
import sys
import urllib.request

cert, key, url, cafile, password = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_ciphers("DEFAULT@SECLEVEL=1")
ctx.load_cert_chain(cert, key, password=password)
with urllib.request.urlopen(url + "?format=json", context=ctx) as r:
    print(json.dumps(json.load(r)))
