// Kept so `@chatgate/rpc-gateway/client` still resolves; the helper is `@chatgate/rpc-client`.
export * from '@chatgate/rpc-client';
