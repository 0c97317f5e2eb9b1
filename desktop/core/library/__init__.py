"""The library's operations: importing files, organising folders and documents, ingesting them.

Modules: ``importing``, ``organise``, ``ingest`` (the ingestion job), ``pdftext`` and ``chunking``.
The catalog (nodes and documents) is re-exported here for callers above core."""
from .importing import (ImportResult, import_file, import_files, GENERAL, plan_folder, import_folder,
                        SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_BOOK, SAMPLE_LECTURES, sample_files,
                        add_sample_course)
from .organise import (rename_node, move_node, rename_document, move_document, delete_document, delete_node)
from ..catalog import (LEVELS, Node, get_node, children, child_level, clean_name, create_node, require_book,
                       ensure_path, lineage, all_nodes, subtree_ids, where_is, child_named,
                       Document, sha256_file, find_by_sha, add_document, get_document, documents_in,
                       set_document_state, document_counts, documents_under, document_path,
                       extracted_text_file, NOTE_EXTENSIONS, MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, kind_for,
                       must_get_document, find_by_name, clean_title, document_file, READ_KINDS, outline_with_lectures,
                       place_word, place_label)

__all__ = ["ImportResult", "import_file", "import_files", "GENERAL", "plan_folder", "import_folder", "SAMPLE_SEMESTER", "SAMPLE_SUBJECT", "SAMPLE_BOOK", "SAMPLE_LECTURES", "sample_files", "add_sample_course", "rename_node", "move_node", "rename_document", "move_document", "delete_document", "delete_node", "LEVELS", "Node", "get_node", "children", "child_level", "clean_name", "create_node", "require_book", "ensure_path", "lineage", "all_nodes", "subtree_ids", "where_is", "child_named", "Document", "sha256_file", "find_by_sha", "add_document", "get_document", "documents_in", "set_document_state", "document_counts", "documents_under", "document_path", "extracted_text_file", "NOTE_EXTENSIONS", "MEDIA_EXTENSIONS", "VIDEO_EXTENSIONS", "kind_for", "must_get_document", "find_by_name", "clean_title", "document_file", "READ_KINDS", "outline_with_lectures", "place_word", "place_label"]
