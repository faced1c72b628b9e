/**
 * The web kit every page uses: template rendering, the page context, HTTP problems and formatting.
 * Imports no feature.
 */
package io.ctops.server.web;
