DROP TABLE decision_documents;
DROP TABLE document_sequences;
