#!/bin/sh
# pki.sh DIR: make the test PKI with openssl, fresh each run.
#
#   rsa-root  -> rsa-int  -> rsa-leaf        RSA 2048, SHA-256 (localhost, 127.0.0.1, ::1,
#                                            *.test names and private IAM names of the tests)
#   ec-root   -> ec-int   -> ec-leaf         P-384, SHA-384 throughout
#   ec-root   -> ec-int   -> g3-leaf         the shape of IAM's DigiCert G3 chain: P-384 root
#                                            and intermediate, SHA-384, a P-256 leaf
#   p256-root -> p256-int -> p256-leaf       P-256, SHA-256
#   ec-root   -> ec-int   -> badsig-leaf     ec-leaf with one bit of its signature's s flipped
#   ec-root   -> ec-int   -> wrongcurve-leaf a P-256 leaf signed (SHA-384) by a P-256 key
#                                            that claims to be ec-int: a P-256 signature
#                                            checked with ec-int's P-384 key
#   ec-root   -> ec-int   -> k256-leaf       a secp256k1 leaf: a curve BearSSL does not have
#   ec-root   -> ec-int   -> p521-leaf       a P-521 leaf (BearSSL's generic code checks its signatures)
#   rsa-int   -> expired-leaf                valid 2020-2021 only
#   rsa-int   -> wrongname-leaf              SAN DNS:wrong.example only
#   rsa-int   -> weakrsa-leaf                RSA 1024 (too small), same names as rsa-leaf
#   rogue-root -> rogue-leaf                 a root nobody trusts
#   ca.pem = rsa-root + ec-root + p256-root  what the tests pass to --cacert
#
# Each server chain is <name>-chain.pem (leaf then intermediate) with <name>.key.
set -eu
d=$1
mkdir -p "$d"
cd "$d"
export OPENSSL_CONF=/dev/null

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${2:-2048} -out "$1.key" 2>/dev/null; }
rsa1024() { rsa "$1" 1024; }
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" 2>/dev/null; }
ec256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
k256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$1.key" 2>/dev/null; }
ec521() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$1.key" 2>/dev/null; }

cat > ca.ext <<'EOF'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
cat > leaf.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1, DNS:live.test, DNS:dual.test, DNS:v6only.test, DNS:iam.chaos.test, DNS:private.iam.cloud.ibm.com, DNS:private.us-south.iam.cloud.ibm.com, DNS:private.eu-de.iam.cloud.ibm.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
sed 's/^subjectAltName.*/subjectAltName = DNS:wrong.example/' leaf.ext > wrong.ext

root() {	# root NAME KEYGEN DIGEST
	$2 "$1"
	openssl req -x509 -new -key "$1.key" -"$3" -days 3650 -subj "/O=crtoken tests/CN=$1" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}
issue() {	# issue NAME KEYGEN DIGEST ISSUER EXTFILE [x509 date options]
	n=$1 gen=$2 dg=$3 ca=$4 ext=$5
	shift 5
	$gen "$n"
	openssl req -new -key "$n.key" -subj "/O=crtoken tests/CN=$n" -out "$n.csr"
	openssl x509 -req -in "$n.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
		-"$dg" -days 825 -extfile "$ext" "$@" -out "$n.pem" 2>/dev/null
}

root rsa-root rsa sha256
issue rsa-int rsa sha256 rsa-root ca.ext
issue rsa-leaf rsa sha256 rsa-int leaf.ext
issue wrongname-leaf rsa sha256 rsa-int wrong.ext
issue weakrsa-leaf rsa1024 sha256 rsa-int leaf.ext

root ec-root ec sha384
issue ec-int ec sha384 ec-root ca.ext
issue ec-leaf ec sha384 ec-int leaf.ext
issue g3-leaf ec256 sha384 ec-int leaf.ext
issue k256-leaf k256 sha384 ec-int leaf.ext
issue p521-leaf ec521 sha384 ec-int leaf.ext

root p256-root ec256 sha256
issue p256-int ec256 sha256 p256-root ca.ext
issue p256-leaf ec256 sha256 p256-int leaf.ext

# badsig: ec-leaf's bytes with the last bit of the certificate (of s) flipped
openssl x509 -in ec-leaf.pem -outform DER -out badsig.der
n=$(wc -c < badsig.der)
last=$(tail -c 1 badsig.der | od -An -tu1 | tr -d ' ')
head -c $((n - 1)) badsig.der > badsig2.der
# shellcheck disable=SC2059
printf "\\$(printf '%03o' $((last ^ 1)))" >> badsig2.der
openssl x509 -inform DER -in badsig2.der -out badsig-leaf.pem
cp ec-leaf.key badsig-leaf.key
rm -f badsig.der badsig2.der

# wrongcurve: a P-256 "ec-int" (same name, self-signed) signs a leaf; the
# chain the server sends has the real ec-int
ec256 fake-ec-int
openssl req -x509 -new -key fake-ec-int.key -sha384 -days 3650 -subj "/O=crtoken tests/CN=ec-int" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out fake-ec-int.pem
issue wrongcurve-leaf ec256 sha384 fake-ec-int leaf.ext

root rogue-root rsa sha256
issue rogue-leaf rsa sha256 rogue-root leaf.ext

# an expired leaf: "openssl ca" is the one that sets arbitrary dates
rsa expired-leaf
openssl req -new -key expired-leaf.key -subj "/O=crtoken tests/CN=expired-leaf" -out expired-leaf.csr
mkdir -p ca.db
: > ca.db/index.txt
echo 01 > ca.db/serial
cat > ca.cnf <<'EOF'
[ca]
default_ca = d
[d]
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = p
copy_extensions = none
unique_subject = no
[p]
commonName = supplied
EOF
openssl ca -batch -config ca.cnf -cert rsa-int.pem -keyfile rsa-int.key -notext \
	-startdate 20200101000000Z -enddate 20210101000000Z -extfile leaf.ext \
	-in expired-leaf.csr -out expired-leaf.pem 2>/dev/null

for n in rsa-leaf:rsa-int wrongname-leaf:rsa-int weakrsa-leaf:rsa-int expired-leaf:rsa-int \
    ec-leaf:ec-int g3-leaf:ec-int p256-leaf:p256-int badsig-leaf:ec-int wrongcurve-leaf:ec-int \
    k256-leaf:ec-int p521-leaf:ec-int rogue-leaf:rogue-root; do
	leaf=${n%%:*}; int=${n##*:}
	cat "$leaf.pem" "$int.pem" > "${leaf%-leaf}-chain.pem"
	cp "$leaf.key" "${leaf%-leaf}.key"
done
cat rsa-root.pem ec-root.pem p256-root.pem > ca.pem
rm -f ./*.csr ./*.srl
