import http.server, sys, os
STATE = {"v": "A"}
BODY = {
 "A": ["The council voted on Tuesday to approve the new transport budget after a long debate that lasted well into the evening hours.",
       "Supporters said the plan would make the city safer for cyclists and pedestrians, while critics warned about rising costs.",
       "The budget sets aside money for new bus lines, repaired roads and a network of protected bike lanes across the centre."],
}
BODY["B"] = BODY["A"] + ["An amendment that would have delayed the bike lanes by a year was rejected by seven votes to four."]
BODY["C"] = BODY["B"] + ["The mayor said construction of the first lanes would begin in the spring, weather permitting."]
OTHER = ["Heavy rain flooded several streets in the old town on Monday evening, forcing the fire brigade to pump water out of dozens of basements.",
         "Meteorologists said the storm dropped more rain in three hours than the region usually sees in a month.",
         "Shop owners along the river promenade began cleaning up on Tuesday morning and estimated the damage at several thousand euros each."]
def page(title, paras):
    ps = "".join(f"<p>{p}</p>" for p in paras)
    return f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body><article><h1>{title}</h1>{ps}</article></body></html>"
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/set":
            STATE["v"] = self.path.split("=")[1]; body = b"ok"
        elif path.startswith("/story"):
            body = page("Council approves budget", BODY[STATE["v"]]).encode()
        else:
            body = page("Storm floods old town", OTHER).encode()
        self.send_response(200); self.send_header("content-type","text/html; charset=utf-8"); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
