/*
 * rpc_document.h - a tenant's key documents: versions, translations,
 * content (inline or in chunks up, streamed down) and translation coverage per
 * distributor. SQL in rpc_document.c; the writes and who reads a document
 * in migration 0023 (liaison_document_*, liaison_sees_document).
 */
#ifndef LIAISON_RPC_DOCUMENT_H
#define LIAISON_RPC_DOCUMENT_H

#include "request.h"

int rpc_document_register(void);

/*
 * $1 the document ids an upstream update attaches: FAILED_PRECONDITION when one is a
 * distributor's generated handbook, INVALID_ARGUMENT on documentIds when one the caller sees is
 * the exporter's own (shared with no distributor) and the caller does not reach every
 * distributor: shares ShareDocument refuses.
 */
extern struct db_stmt documents_attachable;

void rpc_create_document(struct request *r);
void rpc_add_document_version(struct request *r);
void rpc_share_document(struct request *r);
void rpc_add_translation(struct request *r);
void rpc_list_documents(struct request *r);
void rpc_get_document(struct request *r);
void rpc_get_document_content(struct request *r);
void rpc_get_translation_coverage(struct request *r);
void rpc_begin_document_upload(struct request *r);
void rpc_upload_document_chunk(struct request *r);

#endif
