/**
 * Software inventory: scans (a task type), uploads, package records, the Inventory tab, the
 * Software page and the package diff.
 */
package io.ctops.server.inventory;
