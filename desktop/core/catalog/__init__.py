"""What is in the library, by id: folders (semester/subject/book), documents and their files.

Modules: ``nodes``, ``documents``, ``files`` (the one file layer: ``<data>/files/<document_id>/<name>``)."""
from .nodes import (MAX_NAME_CHARS, LEVELS, Node, get_node, children, child_level, clean_name, create_node, require_book,
                    ensure_path, lineage, all_nodes, subtree_ids, where_is, child_named)
from .documents import (Document, sha256_file, find_by_sha, add_document, get_document, documents_in,
                        set_document_state, document_counts, documents_under, document_path,
                        extracted_text_file, NOTE_EXTENSIONS, MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, kind_for,
                        must_get_document, find_by_name, clean_title, document_file, READ_KINDS, outline_with_lectures,
                        place_word, place_label)
from .files import (FILES_DIR, StagedFile, clean_text, safe_name, files_root, document_folder, file_at,
                    file_sha256, temp_path, is_managed, check_free_space, check_room_for, copy_in, stage_copy, remove_document_file)

__all__ = ["MAX_NAME_CHARS", "LEVELS", "Node", "get_node", "children", "child_level", "clean_name", "create_node", "require_book", "ensure_path", "lineage", "all_nodes", "subtree_ids", "where_is", "child_named", "Document", "sha256_file", "find_by_sha", "add_document", "get_document", "documents_in", "set_document_state", "document_counts", "documents_under", "document_path", "extracted_text_file", "NOTE_EXTENSIONS", "MEDIA_EXTENSIONS", "VIDEO_EXTENSIONS", "kind_for", "must_get_document", "find_by_name", "clean_title", "document_file", "READ_KINDS", "outline_with_lectures", "place_word", "place_label", "FILES_DIR", "StagedFile", "clean_text", "safe_name", "files_root", "document_folder", "file_at", "file_sha256", "temp_path", "is_managed", "check_free_space", "check_room_for", "copy_in", "stage_copy", "remove_document_file"]
