/**
 * The plumbing: configuration, database, gRPC and HTTP servers, PKI, JWT, build info and lifecycle.
 * Knows no feature.
 */
package io.ctops.server.platform;
