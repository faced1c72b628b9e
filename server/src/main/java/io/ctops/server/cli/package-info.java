/**
 * The {@code ctops} command line (picocli): one class per command, each starting a role or calling
 * one feature.
 */
package io.ctops.server.cli;
