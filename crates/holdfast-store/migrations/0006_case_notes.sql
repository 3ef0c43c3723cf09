-- Notes on cases, searchable in full text. The notes are the `note_added` events; this index is
-- a read model kept by the projection (and rebuilt with the others). Its rowid is the event's
-- sequence number, so a note is indexed once however often it is projected.
CREATE VIRTUAL TABLE case_notes USING fts5(
    text,
    case_id UNINDEXED,
    author UNINDEXED,
    recorded_at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
