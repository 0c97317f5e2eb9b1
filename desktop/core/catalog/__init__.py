"""What is in the library, by id: folders (semester/subject/book) and documents."""
from .nodes import (LEVELS, Node, get_node, children, child_level, clean_name, create_node, require_book,
                    ensure_path, lineage, node_folder, all_nodes, subtree_ids, where_is, child_named)
from .documents import (Document, sha256_file, find_by_sha, add_document, get_document, documents_in,
                        set_document_state, document_counts, documents_under, document_path,
                        extracted_text_file, NOTE_EXTENSIONS, MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, kind_for,
                        must_get_document, find_by_name)

__all__ = ["LEVELS", "Node", "get_node", "children", "child_level", "clean_name", "create_node", "require_book", "ensure_path", "lineage", "node_folder", "all_nodes", "subtree_ids", "where_is", "child_named", "Document", "sha256_file", "find_by_sha", "add_document", "get_document", "documents_in", "set_document_state", "document_counts", "documents_under", "document_path", "extracted_text_file", "NOTE_EXTENSIONS", "MEDIA_EXTENSIONS", "VIDEO_EXTENSIONS", "kind_for", "must_get_document", "find_by_name"]
