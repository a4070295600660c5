"""文档管理: documents in organisation, personal and group spaces (documents.py), stored through a storage
adapter (storage.py) and sent through a mail adapter (mail.py)."""
