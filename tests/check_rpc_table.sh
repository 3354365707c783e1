#!/usr/bin/env bash
# check_rpc_table.sh LIAISOND DOC - fails when DOC's permission table is not
# what the server itself prints.
set -euo pipefail
diff <("$1" rpc-table) <(sed -n '/^| method/,$p' "$2")
echo "rpc table up to date"
