#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme keygen: a 0600 key file, never overwritten; only the public key is ever printed.
source "$(dirname "$0")/lib.sh"

expect 0 keygen --out "$T/a.key"
[[ $(stat -c %a "$T/a.key") == 600 ]] || fail "key file mode is $(stat -c %a "$T/a.key")"
pub=$(awk '$1 == "public" {print $2}' "$T/a.key")
[[ ${#pub} -eq 64 ]] || fail "no public key in the file"
out_has "$pub"
out_has "$T/a.key"

# Refuses to overwrite, and the file is unchanged.
sum=$(sha256sum "$T/a.key")
expect 1 keygen --out "$T/a.key"
err_has "already exists"
[[ $(sha256sum "$T/a.key") == "$sum" ]] || fail "the key file changed"

# Default file: $STEME_KEY_FILE; --quiet prints the public key alone.
expect 0 --quiet keygen
[[ -f "$STEME_KEY_FILE" ]] || fail "no key at \$STEME_KEY_FILE"
eq "$(out)" "$(awk '$1 == "public" {print $2}' "$STEME_KEY_FILE")" "keygen --quiet output"
[[ $(stat -c %a "$STEME_KEY_FILE") == 600 ]] || fail "default key file mode"

# Even with a permissive umask the file is private.
(umask 000 && "$STEME_BIN" keygen --out "$T/b.key" >/dev/null)
[[ $(stat -c %a "$T/b.key") == 600 ]] || fail "umask 000 key file mode"

# --json: the public key and file, and nothing secret.
expect 0 --json keygen --out "$T/c.key"
jq_true "(.public_key | test(\"^[0-9a-f]{64}\$\")) and .file == \"$T/c.key\" and (keys | length == 2)"
eq "$(jq_out .public_key)" "$(awk '$1 == "public" {print $2}' "$T/c.key")" "public_key"

# Two key pairs are different identities.
[[ "$(jq_out .public_key)" != "$pub" ]] || fail "two keygens gave one key"

# A key file others can read is refused when signing, without quoting its contents.
cp "$T/a.key" "$T/loose.key"
chmod 644 "$T/loose.key"
expect 0 init
expect 1 assert --key "$T/loose.key" --subject s:x --predicate p --value 1 --source src:a
err_has "group or others may access it"
err_has "chmod 600"
expect 1 --json assert --key "$T/loose.key" --subject s:x --predicate p --value 1 --source src:a
jq_true '.error == "permission"'

# A damaged key file is refused without quoting it.
sed 's/^seed \(.\)/seed z/' "$T/a.key" >"$T/bad.key"
chmod 600 "$T/bad.key"
expect 1 assert --key "$T/bad.key" --subject s:x --predicate p --value 1 --source src:a
err_has "is not a valid steme key file"
badseed=$(awk '$1 == "seed" {print $2}' "$T/bad.key")
! grep -qF -- "$badseed" "$T/err" || fail "the damaged seed was printed"

# A missing key file says how to make one.
expect 1 assert --key "$T/none.key" --subject s:x --predicate p --value 1 --source src:a
err_has "not found"
err_has "steme keygen"

# Nothing was stored by the refused assertions.
expect 0 --json stats
jq_true '.records == 0'

# An unwritable destination is an error, not a crash.
expect 1 keygen --out "$T/no/such/dir/k.key"
err_has "$T/no/such/dir/k.key"

# The explicit check (finish() repeats it over the whole transcript).
for k in "$T"/*.key; do
    s=$(awk '$1 == "seed" {print $2}' "$k")
    ! grep -qF -- "$s" "$T/transcript" || fail "seed of $k printed"
done
