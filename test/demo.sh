#!/bin/sh
# demo.sh ./crtoken: one real exchange against the local IAM stand-in.
# Makes a throw-away PKI and CR token, starts the stand-in on 127.0.0.1,
# runs crtoken -v, shows the result and the exit code, stops the stand-in.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/crtoken-demo.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

sh "$here/pki.sh" "$dir"
python3 "$here/iam.py" --dir "$dir" --seconds 60 &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "demo: the stand-in did not start" >&2; exit 1; }
	sleep 0.1
done
port=$(cat "$dir/port")
PYTHONPATH=$here python3 -c 'import iam; print(iam.cr_token())' > "$dir/cr-token"
profile=$(PYTHONPATH=$here python3 -c 'import iam; print(iam.PROFILE_ID)')

echo "\$ crtoken -v --url https://localhost:$port --cacert ca.pem --token-file cr-token \\"
echo "      --profile-id $profile --format json"
set +e
"$bin" -v --url "https://localhost:$port" --cacert "$dir/ca.pem" \
	--token-file "$dir/cr-token" --profile-id "$profile" --format json
code=$?
set -e
echo "exit code: $code"
exit $code
