// Package apitest holds tests that exercise the public API across packages:
// what every kind of bad input gets back.
package apitest
