"""Merklization: the state trie (GP D), binary Merkle trees and mountain ranges (GP E)."""
