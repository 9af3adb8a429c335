-- Identities bound to their issuer, and token revocation (issue: token security).
--
-- objectidissuer is the OIDC issuer (iss) that azureactivedirectoryobjectid belongs to: a
-- user of an OIDC issuer is (objectidissuer, oid), so a second trusted issuer cannot sign in as
-- the user by minting a token with the same oid. For Entra ID the v2.0 issuer names the tenant
-- (https://login.microsoftonline.com/<tenant>/v2.0), so binding to the issuer binds to the
-- tenant.
--
-- Existing users keep NULL: which issuer their oid came from is not recorded anywhere. The
-- server binds such a user on its first sign-in from its default OIDC issuer (the only
-- --oidc-issuer, or --default-oidc-issuer when there are several) and refuses it from any
-- other; users created later with an oid but no issuer (users create --oid, the Web API) are
-- treated the same way.
ALTER TABLE systemusers ADD COLUMN objectidissuer TEXT;

-- Tokens (local or OIDC) whose iat is before tokensvalidafter (Unix seconds) are refused:
-- `connectorhub token --revoke` sets it. NULL when never revoked.
ALTER TABLE systemusers ADD COLUMN tokensvalidafter INTEGER;

-- Users are looked up by (issuer, oid). The column constraint of 0001 keeps an oid unique
-- across issuers as well (dropping it needs a table rebuild): a second issuer's user with an
-- oid already taken is refused rather than provisioned, never merged with the first.
CREATE UNIQUE INDEX systemusers_objectid_issuer ON systemusers (objectidissuer, azureactivedirectoryobjectid);
