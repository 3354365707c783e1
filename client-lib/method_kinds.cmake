# Writes OUT, the client library's list of RPCs it may send again after a
# dropped connection without anything being done twice: the reads (READS
# in SRC, server/methods.h) and the creates (RPC_CREATES there), which take
# an idempotency key. Taken from the server's one table, so they never
# disagree.
file(READ ${SRC} text)
string(REGEX MATCHALL "M\\(([A-Za-z]+), [a-z_]+, [^,()]+, READS\\)" rows "${text}")
set(reads "")
foreach(row ${rows})
  string(REGEX REPLACE "^M\\(([A-Za-z]+),.*" "\\1" name "${row}")
  string(APPEND reads "    \"${name}\",\n")
endforeach()
string(REGEX REPLACE "^.*#define RPC_CREATES\\(C\\)" "" tail "${text}")
string(REGEX MATCHALL "C\\([A-Za-z]+\\)" calls "${tail}")
set(creates "")
foreach(call ${calls})
  string(REGEX REPLACE "^C\\(([A-Za-z]+)\\)$" "\\1" name "${call}")
  string(APPEND creates "    \"${name}\",\n")
endforeach()
if(reads STREQUAL "" OR creates STREQUAL "")
  message(FATAL_ERROR "no READS rows or no RPC_CREATES in ${SRC}")
endif()
file(WRITE ${OUT}.tmp
  "/* Generated from server/methods.h by client-lib/method_kinds.cmake. */\n"
  "static const char *const client_read_methods[] = {\n${reads}    NULL};\n"
  "static const char *const client_create_methods[] = {\n${creates}    NULL};\n")
file(RENAME ${OUT}.tmp ${OUT})
