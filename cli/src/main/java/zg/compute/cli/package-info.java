/** Filled by a later issue; kept buildable so the module graph is in place. */
package zg.compute.cli;
