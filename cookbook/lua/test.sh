# Lua on Cairn: a script over the language and its libraries (strings,
# tables, math, closures, coroutines, errors, patterns, files, os), run by
# the interpreter and, compiled by luac, from its bytecode; then a script
# that fails. The expected output is the same test's with Lua built on the
# host.
cat > test.lua <<'LUA'
-- Lua on Cairn: the language and its libraries (strings, tables, math,
-- closures, coroutines, errors, string patterns, files, os).
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(25) = " .. fib(25))
local t = {}
for i = 1, 1000 do t[i] = (i * 7919) % 1009 end
table.sort(t)
print("sorted: " .. t[1] .. " " .. t[500] .. " " .. t[1000])
print(string.format("%5.2f|%-6s|%x|%q", math.pi, "ab", 255, "a\nb"))
print(("hello world"):gsub("o", "0"), ("key=value"):match("(%w+)=(%w+)"))
local function counter() local n = 0; return function() n = n + 1; return n end end
local c = counter(); c(); c()
print("closure: " .. c())
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
print("coroutine: " .. co(1) .. " " .. co(10))
local raised, err = pcall(function() error({code = 42}) end)
print("pcall: " .. tostring(raised) .. " " .. err.code)
local ok, msg = pcall(function() local x = nil; return x.y end)
print("error caught: " .. tostring(ok) .. " " .. (msg:match("attempt to index") or msg))
local f = assert(io.open("lua-test.txt", "w"))
for i = 1, 100 do f:write(i, "\n") end
f:close()
local sum = 0
for line in io.lines("lua-test.txt") do sum = sum + tonumber(line) end
print("file sum: " .. sum)
print("remove: " .. tostring(os.remove("lua-test.txt")))
print("math: " .. math.floor(2^53 / 3) .. " " .. math.maxinteger .. " " .. string.format("%.6f", math.sin(1)))
print("utf8: " .. utf8.len("héllo") .. " " .. utf8.char(72, 233))
print("os.time sane: " .. tostring(os.time() > 1000000000))
print("getenv HOME: " .. tostring(os.getenv("HOME")))
local big = {}
for i = 1, 200000 do big[i] = i end
print("collect: " .. tostring(collectgarbage("count") > 0) .. " " .. #big)
LUA
/usr/bin/lua test.lua
echo "lua: exit $?"
/usr/bin/luac -o test.luac test.lua && /usr/bin/lua test.luac | tail -n 2
echo 'error("deliberate")' > bad.lua
/usr/bin/lua bad.lua 2>&1 | head -n 1
