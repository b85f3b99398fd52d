"""ReportLab documents: a DTO in, PDF bytes out."""
