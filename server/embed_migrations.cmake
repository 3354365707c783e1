# Writes OUT, a C file holding every server/migrations/NNNN_name.sql as a
# struct migration, in version order, with the SHA-256 of the file's bytes
# (what migrate.c records and compares). Run by the build; no tool beyond CMake.
# EXTRA (optional): a second directory whose migrations come after SRC's, for
# a test build that plays a newer release (tests/integration/upgrade).
file(GLOB files "${SRC}/[0-9][0-9][0-9][0-9]_*.sql")
list(SORT files)
if(EXTRA)
  file(GLOB extra "${EXTRA}/[0-9][0-9][0-9][0-9]_*.sql")
  list(SORT extra)
  list(APPEND files ${extra})
endif()
set(body "")
set(table "")
set(i 0)
foreach(f IN LISTS files)
  get_filename_component(base "${f}" NAME_WE)
  string(SUBSTRING "${base}" 0 4 ver)
  string(SUBSTRING "${base}" 5 -1 name)
  math(EXPR v "${ver}")
  file(READ "${f}" hex HEX)
  file(SHA256 "${f}" sum)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const char sql_${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {${v}, \"${name}\", sql_${i}, \"${sum}\"},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "/* Generated from server/migrations by embed_migrations.cmake. */\n#include \"migrate.h\"\n\n${body}\nconst struct migration migrations[] = {\n${table}};\nconst int migrations_count = ${i};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
