import Descent
print("descent")
