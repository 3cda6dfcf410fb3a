// The lease thread's entry is CommonJS on purpose, like the I/O threads'
// (io-thread-entry.cts): Node 20 can start a worker from an ES module file
// through require(esm), and that path can abort natively
// (`facade->InstantiateModule` in loadESMFromCJS). A CommonJS entry that
// import()s the ES module goes through the ES module loader every time.
void import('./lease-renewer.js');
