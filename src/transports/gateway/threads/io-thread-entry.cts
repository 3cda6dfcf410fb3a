// The I/O thread's entry is CommonJS on purpose. Node 20 starts a worker
// from an ES module file through require(esm) in some processes (those
// with module hooks, or a worker library that require()s its entry), and
// that path can abort natively (`facade->InstantiateModule` in
// loadESMFromCJS). A CommonJS entry that import()s the ES module goes
// through the ES module loader instead, the same way every time.
void import('./io-thread.js');
