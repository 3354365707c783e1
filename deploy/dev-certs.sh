#!/usr/bin/env bash
# dev-certs.sh DIR - a development CA and a server certificate for
# localhost / 127.0.0.1 / ::1 (ECDSA P-256), written to DIR as ca.pem,
# ca.key, server.pem, server.key; and an operator CA with one operator
# client certificate (CN "ops"): operator-ca.pem, operator.pem,
# operator.key. Existing files are kept, so running it again changes
# nothing. For development and tests only.
set -euo pipefail
dir=${1:?usage: dev-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=Liaison development CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi
if [ ! -f server.pem ]; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.pem 2>/dev/null
  rm -f server.csr server.ext
fi
if [ ! -f operator-ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=Liaison development operator CA" -keyout operator-ca.key -out operator-ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi
if [ ! -f operator.pem ]; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=ops" \
    -keyout operator.key -out operator.csr 2>/dev/null
  printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature" >operator.ext
  openssl x509 -req -in operator.csr -CA operator-ca.pem -CAkey operator-ca.key \
    -CAcreateserial -days 825 -extfile operator.ext -out operator.pem 2>/dev/null
  rm -f operator.csr operator.ext
fi
chmod 644 ca.pem server.pem operator-ca.pem operator.pem
