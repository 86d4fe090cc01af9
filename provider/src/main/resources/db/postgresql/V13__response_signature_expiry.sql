-- V13: the expiry of response signatures indexed: expired ones are deleted in small steps while serving.
CREATE INDEX response_signature_expiry ON response_signature (expires_at);
