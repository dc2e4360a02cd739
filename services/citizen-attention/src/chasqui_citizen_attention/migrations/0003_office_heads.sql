-- The head of each office as the municipality's data file names them (domain/office_heads.py):
-- by role, with the office's institutional contact. Replaced with the municipality's data.
CREATE TABLE office_heads (
    ubigeo          text   NOT NULL,
    office          text   NOT NULL,
    office_head_id  text   NOT NULL UNIQUE,
    role            text   NOT NULL,
    email           text,
    phone           text,
    channels        text[] NOT NULL,
    PRIMARY KEY (ubigeo, office)
);
