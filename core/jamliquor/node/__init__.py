"""The networked node: chain view, JAMNP-S networking, sync, authoring on the wall clock, JIP-2 RPC.

`view.ChainView` is the one interface between the node's chain (blocks, states, best and
finalized heads, pools) and what serves it (the JIP-2 RPC, the JAMNP-S responders, tools).
"""
